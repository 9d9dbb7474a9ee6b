"""The asyncio katas grader: `python -m grader`."""
