"""One module per screen. Screens showing personal data are built after unlock and destroyed
on lock."""
