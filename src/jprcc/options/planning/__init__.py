"""The numerics of recovery options (pure).

fields     movement fields of each kind of asset over the planning grid
packages   which assets can fill which roles, and how long each takes to arrive
courses    courses of action assembled from packages, scored and compared
"""
