"""The keyboard's pure-logic core: no hardware module, only the board object and the clock it is given."""
