"""Each technique's trainer for `keycomposer train`, one module a technique: ``keycomposer.trainers.arcnn``,
``.gan``, ``.txl`` (all three are here). Beside them,
what they share: ``live_picture`` (the picture a run redraws), ``folder_voices`` (a person's piece as voices),
``dilated_stack``, ``tflite`` and ``distribution`` (tf.distribute).

These are the only modules of the package that may import TensorFlow or music21 (the train extra), and nothing
imports them but ``keycomposer.training.trainer_for``, after checking the extra is installed. A trainer module
holds ``train(request, data) -> int`` (an exit code): ``request`` a ``keycomposer.training.TrainingRequest``,
``data`` the ``keycomposer.music.midi_folder.FolderData`` of a folder (its ``train``, ``valid`` and ``test``
pieces) or None for a built-in set (``request.data`` names it). It trains, keeps its last good checkpoint where
``--resume`` finds it, and installs the int8 model and its card with ``keycomposer.model_catalog.install``.
"""
