"""Keras -> TFLite bytes (float32, or full int8 calibrated on a representative dataset), and the tensors a model
card lists. Shared by the trainers and tools/*/convert.py (through tools/tflite_files.py).

The int8 settings keep the file readable by tflite-runtime 2.14 as well as LiteRT (DESIGN.md): dense layers
are quantized per tensor, not per channel (FULLY_CONNECTED v12 is too new for 2.14). TensorFlow is imported
only when a conversion runs, so the card helpers work in any environment with ai-edge-litert.
"""


def keras_to_tflite(model, representative=None) -> bytes:
    """float32 TFLite when `representative` is None; else full int8 (float32 in and out), calibrated on
    `representative()`, an iterable of input lists as the model takes them."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def tensor_description(tflite_bytes: bytes) -> dict:
    """The file's input and output tensors (name, shape, dtype), as a model card lists them."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_bytes)

    def describe(detail):
        return {"name": detail["name"], "shape": [int(n) for n in detail["shape"]], "dtype": detail["dtype"].__name__}

    return {
        "inputs": [describe(d) for d in interpreter.get_input_details()],
        "outputs": [describe(d) for d in interpreter.get_output_details()],
    }
