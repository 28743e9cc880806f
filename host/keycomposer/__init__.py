"""keycomposer: the host side of an open re-creation of the AWS DeepComposer keyboard."""

__version__ = "0.1.0"
