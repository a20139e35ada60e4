"""The write path: validate a shop's catalog, embed it and load it into OpenSearch."""
