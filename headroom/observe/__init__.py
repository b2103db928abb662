"""headroom.observe"""
