"""What happens to a user's program, with no Telegram in sight.

Flows parse what the user sent, call one use case here with the turn's unit of work and ``now``,
and render the outcome it returns. The rules themselves stay in :mod:`bot.coach` (pure); this
layer feeds them from storage and carries out what they decide.
"""
