"""quote(): a number for the book's prose, stored as glue output in a kernel, nothing elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from textdistill_lab.quote import quote


@pytest.fixture()
def shell():
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    pytest.importorskip("myst_nb", reason="myst-nb comes with the book extra")
    created = not interactiveshell.InteractiveShell.initialized()
    yield interactiveshell.InteractiveShell.instance()
    if created:
        interactiveshell.InteractiveShell.clear_instance()


def test_stores_numpy_scalars_as_plain_numbers_myst_nb_can_format(shell):
    from IPython.utils.capture import capture_output
    from myst_nb.core.variables import format_plain_text

    with capture_output() as captured:
        quote("accuracy", np.float64(0.7023))
        quote("steps", np.int64(30))
    stored = {o.metadata["scrapbook"]["name"]: o.data["application/papermill.record/text/plain"] for o in captured.outputs}
    assert stored == {"accuracy": "0.7023", "steps": "30"}
    assert format_plain_text(stored["accuracy"], ".1%") == "70.2%"
    assert format_plain_text(stored["steps"], "d") == "30"
    assert all(not key.startswith("text/") for o in captured.outputs for key in o.data), "a quote must display nothing"


def test_outside_a_kernel_it_stores_and_prints_nothing(capsys):
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    if interactiveshell.InteractiveShell.initialized():
        pytest.skip("an IPython shell is running in this process")
    quote("accuracy", 0.5)
    assert capsys.readouterr() == ("", "")
