"""Memory-R1's training loop for the project's agents (GRPO / advantage-weighted), driven by `npm run train`.

Importing the package imports nothing heavy: reward.py is pure Python (CI runs it without torch).
"""
