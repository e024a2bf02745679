"""Load scripts that start the production server (`haochaping serve`) and drive it over loopback HTTP."""
