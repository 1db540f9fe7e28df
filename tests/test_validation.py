"""Every value a user gives is checked up front, in one place, with one line naming it: API and CLI alike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import assert_one_error, run_cli
from textdistill_lab import (
    DistillConfig, DistilledSet, Distiller, decode, evaluate, load_dataset, random_subset,
)
from textdistill_lab.cli import build_parser
from textdistill_lab.validators import INT_LIMITS, SEED_MAX


@pytest.mark.parametrize("field, value, error, fragment", [
    ("validate_every", 0, ValueError, "validate_every must be from 1"),
    ("checkpoint_every", -1, ValueError, "checkpoint_every must be from 1"),
    ("validate_inits", 0, ValueError, "validate_inits must be from 1"),
    ("outer_lr", float("inf"), ValueError, "outer_lr must be a finite number > 0, got inf"),
    ("match_net_lr", float("nan"), ValueError, "match_net_lr must be a finite number > 0, got nan"),
    ("max_memory_gb", float("nan"), ValueError, "max_memory_gb must be a finite number > 0"),
    ("seed", 2**63, ValueError, "seed must be from 0 to 9,223,372,036,854,775,807"),
    ("per_class", 2.5, TypeError, "per_class must be an integer"),
    ("learn_lr", "yes", TypeError, "learn_lr must be True or False"),
    ("method", "magic", ValueError, "method='magic' is not one of bptt"),
    ("token_norm_quantile", 1.5, ValueError, "token_norm_quantile is a quantile in (0, 1], e.g. 0.99; got 1.5"),
    ("token_norm_quantile", 0.0, ValueError, "token_norm_quantile must be a finite number > 0"),
])
def test_config_refuses_bad_values_naming_the_field(field, value, error, fragment):
    with pytest.raises(error, match=fragment.replace("(", r"\(")):
        DistillConfig(**{field: value})


def test_every_numeric_option_of_every_command_is_bounded_before_any_work(capsys, monkeypatch):
    """For each int/float option: zero-or-below, absurdly large, nan and inf are one-line usage errors."""
    from textdistill_lab.cli import commands

    for name in dir(commands):
        if name.startswith("cmd_"):
            monkeypatch.setattr(commands, name, lambda args: pytest.fail("a command ran with a bad value"))  # noqa: B023
    subcommands = build_parser()._subparsers._group_actions[0].choices
    checked = 0
    for command, sub in subcommands.items():
        positionals = [a.choices[0] if a.choices else "x" for a in sub._actions
                       if not a.option_strings and a.nargs not in ("?", "*")]
        for action in sub._actions:
            if action.type not in (int, float) or not action.option_strings:
                continue
            flag = action.option_strings[-1]
            bad = ["-1", "1" + "0" * 20] if action.type is int else ["0", "-1", "nan", "inf"]
            if action.dest in ("seed", "data_seed"):
                bad = ["-1", str(SEED_MAX + 1)]
            for value in bad:
                code, _, err = run_cli(capsys, command, *positionals, flag, value)
                assert code == 2, (command, flag, value, err)
                assert_one_error(err)
                assert flag in err.splitlines()[0], (command, flag, value, err)
                checked += 1
    assert checked > 60  # every command's options, not a handful


def test_a_large_but_allowed_value_is_accepted(capsys, monkeypatch):
    from textdistill_lab.cli import commands

    monkeypatch.setattr(commands, "cmd_decode", lambda args: print(args.top_k))
    code, out, _ = run_cli(capsys, "decode", "x", "--top-k", str(INT_LIMITS["top_k"][1]))
    assert code == 0 and out.strip() == str(INT_LIMITS["top_k"][1])


def test_api_arguments_of_the_wrong_type_or_size_name_the_argument(toy_dataset, toy_vectors):
    matrix, _ = toy_vectors.embedding_for(toy_dataset.vocab)
    with pytest.raises(TypeError, match="vectors must be a WordVectors from load_vectors"):
        Distiller(DistillConfig(outer_steps=1)).fit(toy_dataset, matrix)
    with pytest.raises(TypeError, match="dataset must be a TextDataset"):
        Distiller(DistillConfig(outer_steps=1)).fit("trec", toy_vectors)
    with pytest.raises(TypeError, match="per_class must be an integer"):
        random_subset(toy_dataset, 2.5)
    with pytest.raises(TypeError, match="name must be a dataset name"):
        load_dataset(123)
    subset = random_subset(toy_dataset, 2)
    with pytest.raises(ValueError, match="the number of seeds must be from 1 to 1,000, got 1,000,000,000"):
        evaluate(subset, toy_dataset, toy_vectors, seeds=range(10**9))
    with pytest.raises(TypeError, match="seeds must be a sequence of integer seeds"):
        evaluate(subset, toy_dataset, toy_vectors, seeds=5)
    distilled = DistilledSet(torch.zeros(3, 4, toy_vectors.dim), torch.eye(3), toy_dataset.class_names)
    with pytest.raises(ValueError, match="k must be from 1 to 1,000"):
        decode(distilled, toy_vectors, k=10**9)
    with pytest.raises(TypeError, match="vectors must be a WordVectors"):
        decode(distilled, np.zeros((5, toy_vectors.dim)))
