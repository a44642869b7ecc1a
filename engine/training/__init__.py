"""GitaGPT training: the dataset builder now; training, evaluation and export follow (issue: training)."""
