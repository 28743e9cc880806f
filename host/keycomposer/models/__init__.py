"""Generative models over int8 TFLite files: `runtime` loads a shipped model and checks it against its card;
one module per technique runs one (`arcnn`: DeepComposer's AR-CNN sampling loop over piano rolls).
"""
