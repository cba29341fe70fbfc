"""The public C++ headers (cpp/include/kernn/) document every public declaration.

Each function, struct, class and enum at namespace scope has a `///` comment right above it;
each function's comment says what it throws (or that it never throws).
"""
import pathlib
import re

import pytest

_INCLUDE = pathlib.Path(__file__).resolve().parents[1] / "cpp" / "include" / "kernn"
_DECL = re.compile(r"^(?:inline |constexpr )?(?:(?P<type>enum class|struct|class)\b|"
                   r"[A-Za-z_][\w:<>,\s*&]*?[\s*&]+(?P<fn>[a-z_]\w*)\s*\()")


def _declarations():
    for header in sorted(_INCLUDE.glob("*.h*")):
        lines = header.read_text().splitlines()
        for i, line in enumerate(lines):
            if not line.strip() or line.startswith((" ", "#", "/", "}", "namespace", "using", "[[")):
                continue
            m = _DECL.match(line)
            if not m:
                continue
            doc = []
            j = i - 1
            while j >= 0 and lines[j].startswith("template"):
                j -= 1
            while j >= 0 and lines[j].lstrip().startswith("///"):
                doc.insert(0, lines[j].strip()[3:].strip())
                j -= 1
            yield header.name, i + 1, line.strip(), m.group("fn"), " ".join(doc)


DECLS = list(_declarations())


def test_headers_were_found():
    assert len(DECLS) > 60, "the header scan found too few declarations"


@pytest.mark.parametrize("header,line,text,fn,doc", DECLS, ids=[f"{d[0]}:{d[1]}" for d in DECLS])
def test_public_declaration_is_documented(header, line, text, fn, doc):
    assert doc, f"{header}:{line}: `{text}` has no /// comment"
    if fn and header != "error.h":
        # a group sharing one comment (rnn_activation_name / parse) still says what it throws
        assert re.search(r"[Tt]hrows?|throws", doc), f"{header}:{line}: the comment of {fn} does not say what it throws"
