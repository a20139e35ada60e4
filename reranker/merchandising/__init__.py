"""Merchandising: the rules and ranking weights a merchandiser controls (`rules`), how they apply to one
search (`plan`), and their versioned store in OpenSearch (`config_store`)."""
