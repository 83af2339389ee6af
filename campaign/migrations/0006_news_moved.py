# Posts, their mailings and deliveries now belong to the news app, which took
# over their tables as they are: this only removes them from the campaign
# app's state. Nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0005_auditentry_and_organisations'),
        ('news', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='PostDelivery'),
                migrations.DeleteModel(name='PostMailing'),
                migrations.DeleteModel(name='Post'),
            ],
        ),
    ]
