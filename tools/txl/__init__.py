"""Transformer-XL (issue 6): data preparation, the model, training, conversion to TFLite."""
