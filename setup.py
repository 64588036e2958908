from setuptools import setup

setup(cffi_modules=["beatforge/_native/build_mixer.py:ffibuilder"])
