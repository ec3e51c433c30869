"""Locate: where the isolated person is now, what each search tells us, where to search next.

cloud      the local east/north frame, particle tracks, the map grid and binning
leeway     drift at sea (Allen & Plourde leeway classes) under constant or gridded forcing
coast      land and sea for a drift: where it strands (terrain, else the packaged coastline)
evader     an evader on land: night movement toward destinations, away from threats
update     Bayesian reweighting with a rest-of-world mass (fixes, bearings, searches)
allocate   optimal search effort (Charnes–Cooper / Stone water-filling; several assets)
areas      search rectangles with track spacing from the optimal allocation
"""
