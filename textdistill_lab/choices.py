"""The names a user picks from that live beside torch code, kept in a module that imports nothing.

The modules that act on these names validate against them, and the CLI lists them in ``--help``
without loading torch. (A distillation run's own choices are in :mod:`.distill.config`.)
"""

ARCHITECTURES = ("textcnn", "textcnn-authors", "meanpool-mlp")  # models.make_model
EVAL_MODES = ("auto", "standard", "replay", "replay-shuffled")  # evaluate.evaluate(mode=)
EXPERIMENTS = ("table2", "epochs", "sizes")  # reproduce.run_experiment
DEVICES = ("auto", "cpu", "cuda")  # training.resolve_device
