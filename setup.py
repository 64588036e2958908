from setuptools import find_packages, setup

setup(
    # The shipped kits live at the top of the source tree and install as the package data of beatforge.kits.
    packages=find_packages(include=["beatforge", "beatforge.*"]) + ["beatforge.kits"],
    package_dir={"beatforge.kits": "kits"},
    cffi_modules=["beatforge/_native/build_mixer.py:ffibuilder"],
)
