"""Leaders: their stories, the training paths that make them mentors, and their figures."""
