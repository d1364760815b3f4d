"""wordlab: train, evaluate and study word embeddings."""

from wordlab.errors import WordlabError

__version__ = "0.1.0"

__all__ = ["WordlabError", "__version__"]
