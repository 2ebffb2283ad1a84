"""Install Argos Translate models, and show which engines translate which languages.

    manage.py install_translation_models --file translate-en_es-1_0.argosmodel [--file ...]
    manage.py install_translation_models --index-url URL --from en --to es
    manage.py install_translation_models --list

Models are unpacked into settings.ARGOS_PACKAGES_DIR. --index-url reads an Argos package index
(index.json, or the folder that holds it) and downloads the package it names: run it on a machine
that reaches that index, or serve the index and the .argosmodel files from your own server.
"""

from django.core.management.base import BaseCommand, CommandError

from messaging.translation import available_pairs
from messaging.translation.cache import unavailable_translations_forget
from messaging.translation.engines import configured_engines
from messaging.translation.engines.argos import argos_installed
from messaging.translation.packages import (
    PackageError,
    install_from_file,
    install_from_index,
    installed_packages,
    packages_dir,
)


class Command(BaseCommand):
    help = "Install Argos Translate models (.argosmodel files or from a package index) and list engines."

    def add_arguments(self, parser):
        parser.add_argument("--file", action="append", default=[], metavar="PATH", help="an .argosmodel to install")
        parser.add_argument("--index-url", help="an Argos package index (index.json or its folder)")
        parser.add_argument("--from", dest="source", help="source language code, with --index-url")
        parser.add_argument("--to", dest="target", help="target language code, with --index-url")
        parser.add_argument("--list", action="store_true", help="show installed models and engine pairs")

    def handle(self, *args, **options):
        files, index_url = options["file"], options["index_url"]
        if not (files or index_url or options["list"]):
            raise CommandError("Give --file PATH, --index-url URL --from X --to Y, or --list.")
        if index_url and not (options["source"] and options["target"]):
            raise CommandError("--index-url needs --from and --to.")
        installed = []
        try:
            for path in files:
                installed.append(install_from_file(path))
            if index_url:
                installed.append(install_from_index(index_url, options["source"], options["target"]))
        except (PackageError, OSError) as error:
            raise CommandError(str(error)) from error
        for package in installed:
            self.stdout.write(
                self.style.SUCCESS(f"Installed {package.from_code}→{package.to_code} into {package.path}")
            )
        if installed:
            forgotten = unavailable_translations_forget()
            if forgotten:
                self.stdout.write(f"{forgotten} text(s) without a translation will be translated again.")
            if not argos_installed():
                self.stdout.write(
                    self.style.WARNING(
                        "argostranslate is not installed here, so these models are not used yet: "
                        "pip install -r requirements-translation.lock"
                    )
                )
        if options["list"]:
            self._list()

    def _list(self):
        directory = packages_dir()
        self.stdout.write(f"Argos models in {directory}:")
        packages = installed_packages(directory)
        for package in packages:
            self.stdout.write(f"  {package.from_code}→{package.to_code}  {package.version or '?'}  {package.path.name}")
        if not packages:
            self.stdout.write("  (none)")
        pairs = available_pairs()
        self.stdout.write("Engines, in the order tried (settings.TRANSLATION_ENGINES):")
        for engine in configured_engines():
            if not engine.is_available():
                self.stdout.write(f"  {engine.name}: unavailable")
                continue
            listed = ", ".join(f"{source}→{target}" for source, target in sorted(pairs.get(engine.name, ())))
            self.stdout.write(f"  {engine.name}: {listed or 'no language pairs'}")
