"""Awaits each call in turn, catching its error: right outcomes, but one call at a time."""

CAUGHT_IN = "concurrency"


async def collect_outcomes(coro_fns) -> list:
    outcomes = []
    for coro_fn in coro_fns:
        try:
            outcomes.append(("ok", await coro_fn()))
        except Exception as error:
            outcomes.append(("error", error))
    return outcomes
