"""headroom.livezone"""
