"""A Transformer-XL decoder (Dai et al., 2019) over melody tokens, in plain TensorFlow variables.

Segment-level recurrence: each layer keeps the residual stream of the last `memory` tokens, and a query
attends to exactly the `memory` tokens before it plus itself (a sliding window, so training and the
one-token step see the same context). Positions are relative, as in the paper's eq. (4):

    score(i, j) = (q_i + u) . k_j  +  (q_i + v) . W_r R_{i-j}      R: sinusoids of the distance i - j

Keys hold no position, so the TFLite step can carry each layer's keys and values as tensors and never
re-project the past: the distance of memory slot s is fixed (memory - s), hence W_r R is a constant there.
The style (classical, folk) is a learned vector added to every token's embedding, so it holds however far
the memory reaches. Pre-layer-norm blocks (trains stably in short runs). Variables are plain tf.Variables (Keras layers kept in
lists were not frozen into TFLite files here, see DESIGN.md), tracked by a tf.Module (`module`) that the
converter and checkpoints hold on to. TensorFlow is imported inside the functions, so this module loads anywhere.
"""

from dataclasses import asdict, dataclass

import numpy as np

from keycomposer.models.melody_tokens import VOCAB_SIZE

NEG = -1e9


@dataclass(frozen=True)
class Shape:
    layers: int = 3
    width: int = 128
    heads: int = 4
    inner: int = 512
    memory: int = 256
    segment: int = 128
    vocab: int = VOCAB_SIZE
    styles: int = 2

    @property
    def head_width(self) -> int:
        return self.width // self.heads

    def as_dict(self) -> dict:
        return asdict(self)


def sinusoids(distances: np.ndarray, width: int) -> np.ndarray:
    """R_d of the paper: [sin(d f), cos(d f)] with f = 1 / 10000^(2i / width)."""
    inverse = 1.0 / (10000 ** (np.arange(0, width, 2) / width))
    angles = np.asarray(distances, dtype=np.float64)[:, None] * inverse[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


class TransformerXL:
    def __init__(self, shape: Shape, seed: int = 0):
        import tensorflow as tf

        self.shape = shape
        rng = np.random.default_rng(seed)
        w, h, d = shape.width, shape.heads, shape.head_width

        def weight(name, *dims, scale=None):
            std = scale if scale is not None else 1.0 / np.sqrt(dims[0])
            return tf.Variable(rng.normal(0, std, dims).astype("float32"), name=name)

        def const(name, value, *dims):
            return tf.Variable(np.full(dims, value, dtype="float32"), name=name)

        self.embedding = weight("embedding", shape.vocab, w, scale=0.02 * np.sqrt(w))
        self.style_embedding = weight("style_embedding", shape.styles, w, scale=0.02 * np.sqrt(w))
        self.blocks = []
        for l in range(shape.layers):
            out_scale = 1.0 / np.sqrt(w) / np.sqrt(2 * shape.layers)
            self.blocks.append(
                dict(
                    ln1_g=const(f"l{l}_ln1_g", 1.0, w), ln1_b=const(f"l{l}_ln1_b", 0.0, w),
                    wq=weight(f"l{l}_wq", w, w), wk=weight(f"l{l}_wk", w, w), wv=weight(f"l{l}_wv", w, w),
                    wr=weight(f"l{l}_wr", w, w), wo=weight(f"l{l}_wo", w, w, scale=out_scale),
                    u=const(f"l{l}_u", 0.0, h, d), v=const(f"l{l}_v", 0.0, h, d),
                    ln2_g=const(f"l{l}_ln2_g", 1.0, w), ln2_b=const(f"l{l}_ln2_b", 0.0, w),
                    f1=weight(f"l{l}_f1", w, shape.inner), b1=const(f"l{l}_b1", 0.0, shape.inner),
                    f2=weight(f"l{l}_f2", shape.inner, w, scale=1.0 / np.sqrt(shape.inner) / np.sqrt(2 * shape.layers)),
                    b2=const(f"l{l}_b2", 0.0, w),
                )
            )
        self.ln_g = const("ln_g", 1.0, w)
        self.ln_b = const("ln_b", 0.0, w)
        self.out_w = weight("out_w", w, shape.vocab)
        self.out_b = const("out_b", 0.0, shape.vocab)
        self.module = tf.Module(name="transformer_xl")
        self.module.weights = [self.embedding, self.style_embedding,
                               *(block[key] for block in self.blocks for key in block),
                               self.ln_g, self.ln_b, self.out_w, self.out_b]
        self._step_tables = None  # see freeze_step_tables
        self._ring_tables = None  # the same by ascending distance 0..memory, for step_ring

    @property
    def trainable_variables(self) -> list:
        """Every weight, in the order they were made (embedding first, output last)."""
        return list(self.module.weights)

    # -- weights as numpy, for checkpoints -------------------------------------------------------------
    def weights(self) -> dict:
        return {v.name.split(":")[0]: v.numpy() for v in self.trainable_variables}

    def load_weights(self, arrays) -> None:
        for variable in self.trainable_variables:
            variable.assign(arrays[variable.name.split(":")[0]])

    # -- shared pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _norm(x, g, b):
        import tensorflow as tf

        mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(var + 1e-5) * g + b

    def _feed_forward(self, block, x):
        import tensorflow as tf

        h = self._norm(x, block["ln2_g"], block["ln2_b"])
        return x + tf.nn.relu(h @ block["f1"] + block["b1"]) @ block["f2"] + block["b2"]

    def _logits(self, x):
        return self._norm(x, self.ln_g, self.ln_b) @ self.out_w + self.out_b

    # -- training and the full-sequence reference --------------------------------------------------------
    def segment(self, tokens, memories, memory_valid, style):
        """Logits [B, L, V] of a segment, and the next memories. tokens [B, L] int32; memories: one [B, M, W]
        residual stream per layer; memory_valid [B, M] bool (False for slots not yet filled); style [B] int32."""
        import tensorflow as tf

        s = self.shape
        batch, length = tf.shape(tokens)[0], tokens.shape[1]
        keys_total = s.memory + length
        t = np.arange(length)[:, None]
        j = np.arange(keys_total)[None, :]
        window = (j >= t) & (j <= s.memory + t)  # the M tokens before the query, and the query itself
        distance = np.clip(s.memory + t - j, 0, keys_total - 1).astype(np.int32)  # [L, K]
        valid = tf.concat([memory_valid, tf.ones([batch, length], tf.bool)], axis=1)
        mask = tf.logical_and(window[None, None], valid[:, None, None, :])  # [B, 1, L, K]
        r = tf.constant(sinusoids(np.arange(keys_total), s.width))
        x = tf.gather(self.embedding, tokens) + tf.expand_dims(tf.gather(self.style_embedding, style), -2)
        new_memories = []
        for block, memory in zip(self.blocks, memories):
            whole = tf.concat([memory, x], axis=1)  # [B, K, W]
            new_memories.append(tf.stop_gradient(whole[:, -s.memory:]))
            h_all = self._norm(whole, block["ln1_g"], block["ln1_b"])
            h = h_all[:, -length:]
            q = tf.reshape(h @ block["wq"], [batch, length, s.heads, s.head_width])
            k = tf.reshape(h_all @ block["wk"], [batch, keys_total, s.heads, s.head_width])
            v = tf.reshape(h_all @ block["wv"], [batch, keys_total, s.heads, s.head_width])
            rel = tf.reshape(r @ block["wr"], [keys_total, s.heads, s.head_width])
            content = tf.einsum("blhd,bkhd->bhlk", q + block["u"], k)
            by_distance = tf.einsum("blhd,ehd->lebh", q + block["v"], rel)  # e: distance 0..K-1
            position = tf.transpose(tf.gather(by_distance, distance, axis=1, batch_dims=1), [2, 3, 0, 1])
            scores = (content + position) / np.sqrt(s.head_width)
            scores = tf.where(mask, scores, NEG)
            attended = tf.einsum("bhlk,bkhd->blhd", tf.nn.softmax(scores, axis=-1), v)
            x = x + tf.reshape(attended, [batch, length, s.width]) @ block["wo"]
            x = self._feed_forward(block, x)
        return self._logits(x), new_memories

    def empty_memories(self, batch):
        import tensorflow as tf

        s = self.shape
        return [tf.zeros([batch, s.memory, s.width]) for _ in range(s.layers)], tf.zeros([batch, s.memory], tf.bool)

    # -- the one-token step that the TFLite file holds -----------------------------------------------------
    def freeze_step_tables(self) -> None:
        """Compute W_r R for the step's fixed distances now, so an exported step holds them as constants
        (otherwise every token would multiply the (memory + 1) x width table by W_r again)."""
        distances = np.arange(self.shape.memory, -1, -1)
        r = sinusoids(distances, self.shape.width)
        self._step_tables = [r @ block["wr"].numpy() for block in self.blocks]
        ascending = sinusoids(np.arange(self.shape.memory + 1), self.shape.width)
        self._ring_tables = [ascending @ block["wr"].numpy() for block in self.blocks]

    def step(self, token, count, *kv):
        """One token [1] int32, how many tokens came before it [1] int32, and per layer keys [M, W] and values
        [M, W] of the last M tokens (oldest first). Returns logits [1, V] and the shifted keys and values."""
        import tensorflow as tf

        s = self.shape
        slots = np.arange(s.memory)
        filled = tf.minimum(count[0], s.memory)
        valid = tf.concat([slots >= s.memory - filled, tf.ones([1], tf.bool)], axis=0)  # [M + 1]
        distances = np.arange(s.memory, -1, -1)  # slot s is memory - s tokens back; the token itself is 0
        r = tf.constant(sinusoids(distances, s.width))
        x = tf.gather(self.embedding, token)  # [1, W]
        outputs = []
        for l, block in enumerate(self.blocks):
            keys, values = kv[2 * l], kv[2 * l + 1]
            h = self._norm(x, block["ln1_g"], block["ln1_b"])
            keys = tf.concat([keys, h @ block["wk"]], axis=0)  # [M + 1, W]: the past, then this token
            values = tf.concat([values, h @ block["wv"]], axis=0)
            outputs += [keys[1:], values[1:]]
            q = tf.reshape(h @ block["wq"], [s.heads, s.head_width])
            k = tf.reshape(keys, [s.memory + 1, s.heads, s.head_width])
            v = tf.reshape(values, [s.memory + 1, s.heads, s.head_width])
            projected = tf.constant(self._step_tables[l]) if self._step_tables else r @ block["wr"]
            rel = tf.reshape(projected, [s.memory + 1, s.heads, s.head_width])
            scores = tf.einsum("hd,khd->hk", q + block["u"], k) + tf.einsum("hd,khd->hk", q + block["v"], rel)
            scores = tf.where(valid[None, :], scores / np.sqrt(s.head_width), NEG)
            attended = tf.einsum("hk,khd->hd", tf.nn.softmax(scores, axis=-1), v)
            x = x + tf.reshape(attended, [1, s.width]) @ block["wo"]
            x = self._feed_forward(block, x)
        return [self._logits(x)] + outputs

    def step_ring(self, token, position, style, *kv):
        """The step with the memory as a ring: token t's key and value live in slot t mod M, so nothing shifts.
        Takes the token [1], its position (tokens before it) [1], the style [1], and per layer keys [M, W] and values [M, W];
        returns logits [1, V] and only this token's key and value rows [1, W] per layer, which the caller
        writes into slot position mod M. Same logits as `step` (a slot's distance is computed, not fixed)."""
        import tensorflow as tf

        s = self.shape
        before = position[0]
        slots = tf.range(s.memory)
        distance = 1 + tf.math.floormod(before - 1 - slots, s.memory)  # how far back the slot's token lies
        valid = tf.concat([distance <= before, tf.ones([1], tf.bool)], axis=0)
        by_slot = tf.concat([distance, tf.zeros([1], tf.int32)], axis=0)  # the token itself is distance 0
        r = tf.constant(sinusoids(np.arange(s.memory + 1), s.width))
        x = tf.gather(self.embedding, token) + tf.gather(self.style_embedding, style)  # [1, W]
        outputs = []
        for l, block in enumerate(self.blocks):
            h = self._norm(x, block["ln1_g"], block["ln1_b"])
            new_key, new_value = h @ block["wk"], h @ block["wv"]
            outputs += [new_key, new_value]
            q = tf.reshape(h @ block["wq"], [s.heads, s.head_width])
            k = tf.reshape(tf.concat([kv[2 * l], new_key], axis=0), [s.memory + 1, s.heads, s.head_width])
            v = tf.reshape(tf.concat([kv[2 * l + 1], new_value], axis=0), [s.memory + 1, s.heads, s.head_width])
            projected = tf.constant(self._ring_tables[l]) if self._ring_tables else r @ block["wr"]
            rel = tf.reshape(projected, [s.memory + 1, s.heads, s.head_width])
            by_distance = tf.einsum("hd,ehd->he", q + block["v"], rel)
            scores = tf.einsum("hd,khd->hk", q + block["u"], k) + tf.gather(by_distance, by_slot, axis=1)
            scores = tf.where(valid[None, :], scores / np.sqrt(s.head_width), NEG)
            attended = tf.einsum("hk,khd->hd", tf.nn.softmax(scores, axis=-1), v)
            x = x + tf.reshape(attended, [1, s.width]) @ block["wo"]
            x = self._feed_forward(block, x)
        return [self._logits(x)] + outputs
