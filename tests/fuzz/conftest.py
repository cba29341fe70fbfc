import pytest

# Hypothesis's failure report imports a module that warns (mypy_extensions.TypedDict is
# deprecated); under filterwarnings=error that hid every falsifying example behind an
# INTERNALERROR, so the fuzz tests ignore that one warning.
_MYPY_EXT = pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


def pytest_collection_modifyitems(items):
    for item in items:
        if "fuzz" in item.nodeid.split("::")[0].split("/"):
            item.add_marker(_MYPY_EXT)
