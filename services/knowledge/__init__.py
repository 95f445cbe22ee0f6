"""services/knowledge: articles and media searched through Meilisearch."""
