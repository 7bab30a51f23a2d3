"""What behaviour events update: user profiles, recent behaviour, the recommender's
interactions and the forecaster's daily demand; and the demo store's history as events."""
