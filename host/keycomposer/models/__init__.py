"""Generative models over TFLite files: `runtime` loads a shipped model and checks it against its card;
one module per technique runs one: `arcnn` (four voices under a melody, Coconet's Gibbs sampling over `voice_grid`),
`gan` (accompaniment for a melody), `txl` (Transformer-XL continuation of a melody, reading it with `melody_line`
and spelling it in `melody_tokens`). `keycomposer.techniques` is where the command line learns about them.
"""
