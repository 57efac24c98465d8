"""Case files (E-Akte): every submitted application is a case a department works on."""
