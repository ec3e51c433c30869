"""The person's whole journey: custody, reintegration and accounting, person by person; the
interagency track and the information collection plan of an incident."""
