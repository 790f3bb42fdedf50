"""Publishing's search terms are the shared ones (``gongkai.shared.search``): the public portal folds and cuts
text exactly the same way, so a query finds the same items on both."""

from gongkai.shared.search import MAX_TERMS, normalise, query_terms, terms

__all__ = ["MAX_TERMS", "normalise", "query_terms", "terms"]
