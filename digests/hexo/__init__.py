"""Hexo digest posts: reading them (``parser``) without touching the database."""
