"""Merchandiser content: product copy drafted, checked and refined, stored with versions."""
