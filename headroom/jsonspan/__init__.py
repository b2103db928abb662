"""headroom.jsonspan"""
