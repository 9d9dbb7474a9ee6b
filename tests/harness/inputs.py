"""hypothesis strategies for the suites' inputs.

Text comes from a fixed alphabet of what trips code up (spaces, a tab, accents, a combining mark, CJK,
right-to-left, emoji), not from all of unicode: drawing from all of unicode makes hypothesis build a table of
every character first, seconds on a loaded machine, enough to time out a learner's very first grading.
"""

from hypothesis import strategies as st

ALPHABET = "aZ0 \té中\u0301שׁ🔑"


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET, max_size=max_size)


# Any value a learner's function must pass through untouched, falsy ones included; hashable, so that a fake can
# take it as a key.
values = st.one_of(st.none(), st.booleans(), st.integers(), text(5), st.tuples(st.integers(), st.integers()))
