"""Text analysis: sentiment, key phrases, entities, language and personal data, two backends."""
