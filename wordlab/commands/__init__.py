"""CLI subcommands, one module each; see wordlab/cli.py."""
