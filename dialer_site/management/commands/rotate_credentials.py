from django.core.management.base import BaseCommand
from django.db import connection, transaction

from dialer_site.fields import credentials_fernet, encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored credential with the first CREDENTIALS_KEY. Put the new "
        "key first in CREDENTIALS_KEY (comma-separated), run this, then drop the old key."
    )

    def handle(self, *args, **options):
        fernet = credentials_fernet()
        total = 0
        for model, field in encrypted_fields():
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(field.column)
            pk = connection.ops.quote_name(model._meta.pk.column)
            with transaction.atomic(), connection.cursor() as cursor:
                # Raw tokens, so values are rotated without being decoded to objects.
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    rotated = fernet.rotate(token.encode()).decode()
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                        [rotated, row_pk],
                    )
            total += len(rows)
            self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} value(s) now use the first key."))
