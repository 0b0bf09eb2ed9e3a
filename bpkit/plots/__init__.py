"""Static and live plots for the lessons (matplotlib, object API only).

Functions here draw onto a matplotlib ``Axes`` they are given and return the
artists they made, so a panel can update them in place instead of redrawing.
"""
# --- lessons 1-3 plots (add imports below) ---

# --- lessons 4-7 plots (add imports below) ---
