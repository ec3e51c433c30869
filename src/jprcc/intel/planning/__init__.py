"""The numerics of intelligence preparation (pure: arrays in, arrays out).

threat    the threat field: engagement envelopes, area threats, a field per movement mode
light     the sun and the moon at a place and time: light and dark windows
routes    least-cost routes over the threat field from the person to every recovery point
terrain   elevation and water on a grid, from files read by the service
"""
