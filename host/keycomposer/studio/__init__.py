"""The music studio as a local web page (``keycomposer studio``): a view over the packages the command line
uses. ``app.py`` lists the routes; ``api.py`` (what they share), ``library_api.py``, ``music_api.py`` and
``keyboard_api.py`` answer them; ``security.py`` guards them (token, Host),
``jobs.py`` runs generations, ``live_keyboard.py`` records from the keyboard, ``static/`` is the page."""
