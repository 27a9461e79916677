"""The PyQt5 front end (the only package that imports Qt). Start it with `composer.gui.app.run`."""
