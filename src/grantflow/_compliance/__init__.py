"""Provider fixes behind the public :mod:`grantflow.compliance` facade."""
