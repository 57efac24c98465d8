"""`smartcity simulate`: a city's devices as programs, sending realistic readings through the
same paths real devices use (HTTP `CreateObservations` or MQTT) and obeying the Tasks the
lighting controller sends."""
