"""The one exception type users see: a clear message naming the file, line or option at fault."""


class WordlabError(Exception):
    """Bad input or a failed run, explained for a person; the CLI prints it without a traceback."""
