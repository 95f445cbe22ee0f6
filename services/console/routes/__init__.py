"""The console's pages by area, one Flask blueprint each; `create_app` registers them all."""
