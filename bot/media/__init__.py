"""Media the bot draws itself (exercise animations and their gallery); no Telegram here."""
