"""Numerics of the TAK picture: arrays in, shapes out."""
