"""The dialogs a user can be in; each flow is a small state machine stored in ``dialogs``."""
