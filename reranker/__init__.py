"""Personalization and merchandising: reorder retrieved candidates per shopper and per rule."""
