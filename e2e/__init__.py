"""A package only so that its conftest imports as `e2e.conftest`: pytest would otherwise load
it as the top-level module `conftest`, in place of tests/conftest.py, which the tests in
tests/ import (`from conftest import run`) when both folders run together."""
